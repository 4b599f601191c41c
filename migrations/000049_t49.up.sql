CREATE TABLE t49 (id bigint PRIMARY KEY, name text NOT NULL);
