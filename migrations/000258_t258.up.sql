CREATE TABLE t258 (id bigint PRIMARY KEY, name text NOT NULL);
