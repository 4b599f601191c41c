CREATE TABLE t529 (id bigint PRIMARY KEY, name text NOT NULL);
