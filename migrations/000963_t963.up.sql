CREATE TABLE t963 (id bigint PRIMARY KEY, name text NOT NULL);
