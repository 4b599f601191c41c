CREATE TABLE t517 (id bigint PRIMARY KEY, name text NOT NULL);
