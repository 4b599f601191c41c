CREATE TABLE t647 (id bigint PRIMARY KEY, name text NOT NULL);
