CREATE TABLE t482 (id bigint PRIMARY KEY, name text NOT NULL);
