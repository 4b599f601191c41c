CREATE TABLE t441 (id bigint PRIMARY KEY, name text NOT NULL);
