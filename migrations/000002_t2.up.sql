CREATE TABLE t2 (id bigint PRIMARY KEY, name text NOT NULL);
