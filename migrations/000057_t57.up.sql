CREATE TABLE t57 (id bigint PRIMARY KEY, name text NOT NULL);
