CREATE TABLE t632 (id bigint PRIMARY KEY, name text NOT NULL);
