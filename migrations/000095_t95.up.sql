CREATE TABLE t95 (id bigint PRIMARY KEY, name text NOT NULL);
