CREATE TABLE t670 (id bigint PRIMARY KEY, name text NOT NULL);
