CREATE TABLE t320 (id bigint PRIMARY KEY, name text NOT NULL);
