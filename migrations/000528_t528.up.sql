CREATE TABLE t528 (id bigint PRIMARY KEY, name text NOT NULL);
