CREATE TABLE t803 (id bigint PRIMARY KEY, name text NOT NULL);
