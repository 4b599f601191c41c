CREATE TABLE t991 (id bigint PRIMARY KEY, name text NOT NULL);
