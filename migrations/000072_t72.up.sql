CREATE TABLE t72 (id bigint PRIMARY KEY, name text NOT NULL);
