CREATE TABLE t707 (id bigint PRIMARY KEY, name text NOT NULL);
