CREATE TABLE t913 (id bigint PRIMARY KEY, name text NOT NULL);
