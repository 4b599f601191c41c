CREATE TABLE t139 (id bigint PRIMARY KEY, name text NOT NULL);
