CREATE TABLE t310 (id bigint PRIMARY KEY, name text NOT NULL);
