CREATE TABLE t153 (id bigint PRIMARY KEY, name text NOT NULL);
