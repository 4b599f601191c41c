CREATE TABLE t364 (id bigint PRIMARY KEY, name text NOT NULL);
