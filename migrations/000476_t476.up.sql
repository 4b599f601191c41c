CREATE TABLE t476 (id bigint PRIMARY KEY, name text NOT NULL);
