CREATE TABLE t554 (id bigint PRIMARY KEY, name text NOT NULL);
