CREATE TABLE t1 (id bigint PRIMARY KEY, name text NOT NULL);
