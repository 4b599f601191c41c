CREATE TABLE t14 (id bigint PRIMARY KEY, name text NOT NULL);
