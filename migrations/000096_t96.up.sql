CREATE TABLE t96 (id bigint PRIMARY KEY, name text NOT NULL);
