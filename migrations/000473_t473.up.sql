CREATE TABLE t473 (id bigint PRIMARY KEY, name text NOT NULL);
