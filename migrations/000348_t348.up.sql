CREATE TABLE t348 (id bigint PRIMARY KEY, name text NOT NULL);
