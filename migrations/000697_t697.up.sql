CREATE TABLE t697 (id bigint PRIMARY KEY, name text NOT NULL);
