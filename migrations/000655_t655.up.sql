CREATE TABLE t655 (id bigint PRIMARY KEY, name text NOT NULL);
