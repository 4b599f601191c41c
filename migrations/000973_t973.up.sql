CREATE TABLE t973 (id bigint PRIMARY KEY, name text NOT NULL);
