CREATE TABLE t599 (id bigint PRIMARY KEY, name text NOT NULL);
