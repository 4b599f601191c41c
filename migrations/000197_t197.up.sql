CREATE TABLE t197 (id bigint PRIMARY KEY, name text NOT NULL);
