CREATE TABLE t765 (id bigint PRIMARY KEY, name text NOT NULL);
