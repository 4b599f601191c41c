CREATE TABLE t921 (id bigint PRIMARY KEY, name text NOT NULL);
