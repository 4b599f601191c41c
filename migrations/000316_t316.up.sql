CREATE TABLE t316 (id bigint PRIMARY KEY, name text NOT NULL);
