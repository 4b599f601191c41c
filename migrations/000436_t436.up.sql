CREATE TABLE t436 (id bigint PRIMARY KEY, name text NOT NULL);
