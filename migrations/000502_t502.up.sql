CREATE TABLE t502 (id bigint PRIMARY KEY, name text NOT NULL);
