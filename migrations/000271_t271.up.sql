CREATE TABLE t271 (id bigint PRIMARY KEY, name text NOT NULL);
