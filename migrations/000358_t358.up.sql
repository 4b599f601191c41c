CREATE TABLE t358 (id bigint PRIMARY KEY, name text NOT NULL);
