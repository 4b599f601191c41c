CREATE TABLE t108 (id bigint PRIMARY KEY, name text NOT NULL);
