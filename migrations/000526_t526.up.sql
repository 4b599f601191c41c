CREATE TABLE t526 (id bigint PRIMARY KEY, name text NOT NULL);
