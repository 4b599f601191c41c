CREATE TABLE t307 (id bigint PRIMARY KEY, name text NOT NULL);
