CREATE TABLE t264 (id bigint PRIMARY KEY, name text NOT NULL);
