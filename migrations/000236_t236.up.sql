CREATE TABLE t236 (id bigint PRIMARY KEY, name text NOT NULL);
