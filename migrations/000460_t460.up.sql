CREATE TABLE t460 (id bigint PRIMARY KEY, name text NOT NULL);
