CREATE TABLE t498 (id bigint PRIMARY KEY, name text NOT NULL);
