CREATE TABLE t809 (id bigint PRIMARY KEY, name text NOT NULL);
