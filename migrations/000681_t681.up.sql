CREATE TABLE t681 (id bigint PRIMARY KEY, name text NOT NULL);
