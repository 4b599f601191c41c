CREATE TABLE t833 (id bigint PRIMARY KEY, name text NOT NULL);
