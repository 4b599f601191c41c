CREATE TABLE t373 (id bigint PRIMARY KEY, name text NOT NULL);
