CREATE TABLE t66 (id bigint PRIMARY KEY, name text NOT NULL);
