CREATE TABLE t499 (id bigint PRIMARY KEY, name text NOT NULL);
