CREATE TABLE t357 (id bigint PRIMARY KEY, name text NOT NULL);
