CREATE TABLE t3 (id bigint PRIMARY KEY, name text NOT NULL);
