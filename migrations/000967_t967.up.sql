CREATE TABLE t967 (id bigint PRIMARY KEY, name text NOT NULL);
