CREATE TABLE t311 (id bigint PRIMARY KEY, name text NOT NULL);
