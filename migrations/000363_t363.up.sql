CREATE TABLE t363 (id bigint PRIMARY KEY, name text NOT NULL);
