CREATE TABLE t988 (id bigint PRIMARY KEY, name text NOT NULL);
