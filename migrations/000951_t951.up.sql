CREATE TABLE t951 (id bigint PRIMARY KEY, name text NOT NULL);
