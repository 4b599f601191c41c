CREATE TABLE t400 (id bigint PRIMARY KEY, name text NOT NULL);
