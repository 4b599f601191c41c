CREATE TABLE t83 (id bigint PRIMARY KEY, name text NOT NULL);
