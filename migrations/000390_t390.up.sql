CREATE TABLE t390 (id bigint PRIMARY KEY, name text NOT NULL);
