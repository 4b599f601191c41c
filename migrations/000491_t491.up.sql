CREATE TABLE t491 (id bigint PRIMARY KEY, name text NOT NULL);
