CREATE TABLE t936 (id bigint PRIMARY KEY, name text NOT NULL);
