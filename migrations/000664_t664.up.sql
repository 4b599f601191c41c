CREATE TABLE t664 (id bigint PRIMARY KEY, name text NOT NULL);
