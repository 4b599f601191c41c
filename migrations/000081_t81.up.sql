CREATE TABLE t81 (id bigint PRIMARY KEY, name text NOT NULL);
