CREATE TABLE t382 (id bigint PRIMARY KEY, name text NOT NULL);
