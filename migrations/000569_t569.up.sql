CREATE TABLE t569 (id bigint PRIMARY KEY, name text NOT NULL);
