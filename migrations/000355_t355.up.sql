CREATE TABLE t355 (id bigint PRIMARY KEY, name text NOT NULL);
