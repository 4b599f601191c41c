CREATE TABLE t480 (id bigint PRIMARY KEY, name text NOT NULL);
