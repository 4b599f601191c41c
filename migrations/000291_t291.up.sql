CREATE TABLE t291 (id bigint PRIMARY KEY, name text NOT NULL);
