CREATE TABLE t352 (id bigint PRIMARY KEY, name text NOT NULL);
