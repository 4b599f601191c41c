CREATE TABLE t874 (id bigint PRIMARY KEY, name text NOT NULL);
