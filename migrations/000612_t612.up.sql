CREATE TABLE t612 (id bigint PRIMARY KEY, name text NOT NULL);
