CREATE TABLE t54 (id bigint PRIMARY KEY, name text NOT NULL);
