CREATE TABLE t832 (id bigint PRIMARY KEY, name text NOT NULL);
