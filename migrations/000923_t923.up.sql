CREATE TABLE t923 (id bigint PRIMARY KEY, name text NOT NULL);
