CREATE TABLE t229 (id bigint PRIMARY KEY, name text NOT NULL);
