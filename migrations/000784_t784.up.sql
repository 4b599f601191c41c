CREATE TABLE t784 (id bigint PRIMARY KEY, name text NOT NULL);
