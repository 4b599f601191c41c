CREATE TABLE t512 (id bigint PRIMARY KEY, name text NOT NULL);
