CREATE TABLE t365 (id bigint PRIMARY KEY, name text NOT NULL);
