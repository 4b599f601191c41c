CREATE TABLE t58 (id bigint PRIMARY KEY, name text NOT NULL);
