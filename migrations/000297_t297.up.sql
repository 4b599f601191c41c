CREATE TABLE t297 (id bigint PRIMARY KEY, name text NOT NULL);
