CREATE TABLE t455 (id bigint PRIMARY KEY, name text NOT NULL);
