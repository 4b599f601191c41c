CREATE TABLE t22 (id bigint PRIMARY KEY, name text NOT NULL);
