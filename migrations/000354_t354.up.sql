CREATE TABLE t354 (id bigint PRIMARY KEY, name text NOT NULL);
