CREATE TABLE t470 (id bigint PRIMARY KEY, name text NOT NULL);
