CREATE TABLE t897 (id bigint PRIMARY KEY, name text NOT NULL);
