CREATE TABLE t852 (id bigint PRIMARY KEY, name text NOT NULL);
