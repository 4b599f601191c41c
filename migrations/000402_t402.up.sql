CREATE TABLE t402 (id bigint PRIMARY KEY, name text NOT NULL);
