CREATE TABLE t898 (id bigint PRIMARY KEY, name text NOT NULL);
