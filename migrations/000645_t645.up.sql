CREATE TABLE t645 (id bigint PRIMARY KEY, name text NOT NULL);
