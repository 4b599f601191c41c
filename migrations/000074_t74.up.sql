CREATE TABLE t74 (id bigint PRIMARY KEY, name text NOT NULL);
