CREATE TABLE t953 (id bigint PRIMARY KEY, name text NOT NULL);
