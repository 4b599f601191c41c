CREATE TABLE t257 (id bigint PRIMARY KEY, name text NOT NULL);
