CREATE TABLE t126 (id bigint PRIMARY KEY, name text NOT NULL);
