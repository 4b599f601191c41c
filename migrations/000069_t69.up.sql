CREATE TABLE t69 (id bigint PRIMARY KEY, name text NOT NULL);
