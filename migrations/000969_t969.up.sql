CREATE TABLE t969 (id bigint PRIMARY KEY, name text NOT NULL);
