CREATE TABLE t851 (id bigint PRIMARY KEY, name text NOT NULL);
