CREATE TABLE t413 (id bigint PRIMARY KEY, name text NOT NULL);
