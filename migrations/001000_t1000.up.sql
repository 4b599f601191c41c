CREATE TABLE t1000 (id bigint PRIMARY KEY, name text NOT NULL);
