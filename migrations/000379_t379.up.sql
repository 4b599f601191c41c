CREATE TABLE t379 (id bigint PRIMARY KEY, name text NOT NULL);
