CREATE TABLE t445 (id bigint PRIMARY KEY, name text NOT NULL);
