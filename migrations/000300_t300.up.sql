CREATE TABLE t300 (id bigint PRIMARY KEY, name text NOT NULL);
