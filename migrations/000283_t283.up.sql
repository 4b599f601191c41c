CREATE TABLE t283 (id bigint PRIMARY KEY, name text NOT NULL);
