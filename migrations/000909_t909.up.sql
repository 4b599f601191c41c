CREATE TABLE t909 (id bigint PRIMARY KEY, name text NOT NULL);
