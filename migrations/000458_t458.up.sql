CREATE TABLE t458 (id bigint PRIMARY KEY, name text NOT NULL);
