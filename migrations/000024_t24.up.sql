CREATE TABLE t24 (id bigint PRIMARY KEY, name text NOT NULL);
