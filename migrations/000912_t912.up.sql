CREATE TABLE t912 (id bigint PRIMARY KEY, name text NOT NULL);
