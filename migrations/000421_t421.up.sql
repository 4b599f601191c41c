CREATE TABLE t421 (id bigint PRIMARY KEY, name text NOT NULL);
