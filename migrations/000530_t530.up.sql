CREATE TABLE t530 (id bigint PRIMARY KEY, name text NOT NULL);
