CREATE TABLE t155 (id bigint PRIMARY KEY, name text NOT NULL);
