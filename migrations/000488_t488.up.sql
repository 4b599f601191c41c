CREATE TABLE t488 (id bigint PRIMARY KEY, name text NOT NULL);
