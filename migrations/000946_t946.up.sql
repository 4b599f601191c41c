CREATE TABLE t946 (id bigint PRIMARY KEY, name text NOT NULL);
