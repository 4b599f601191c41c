CREATE TABLE t141 (id bigint PRIMARY KEY, name text NOT NULL);
