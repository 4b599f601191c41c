CREATE TABLE t638 (id bigint PRIMARY KEY, name text NOT NULL);
