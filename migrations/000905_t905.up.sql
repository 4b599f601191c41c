CREATE TABLE t905 (id bigint PRIMARY KEY, name text NOT NULL);
