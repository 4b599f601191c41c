CREATE TABLE t87 (id bigint PRIMARY KEY, name text NOT NULL);
