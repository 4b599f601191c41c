CREATE TABLE t469 (id bigint PRIMARY KEY, name text NOT NULL);
