CREATE TABLE t332 (id bigint PRIMARY KEY, name text NOT NULL);
