CREATE TABLE t47 (id bigint PRIMARY KEY, name text NOT NULL);
