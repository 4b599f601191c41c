CREATE TABLE t389 (id bigint PRIMARY KEY, name text NOT NULL);
