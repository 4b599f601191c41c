CREATE TABLE t112 (id bigint PRIMARY KEY, name text NOT NULL);
