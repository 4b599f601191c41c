CREATE TABLE t790 (id bigint PRIMARY KEY, name text NOT NULL);
