CREATE TABLE t406 (id bigint PRIMARY KEY, name text NOT NULL);
