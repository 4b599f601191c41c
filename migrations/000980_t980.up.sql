CREATE TABLE t980 (id bigint PRIMARY KEY, name text NOT NULL);
