CREATE TABLE t739 (id bigint PRIMARY KEY, name text NOT NULL);
