CREATE TABLE t374 (id bigint PRIMARY KEY, name text NOT NULL);
