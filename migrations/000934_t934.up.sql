CREATE TABLE t934 (id bigint PRIMARY KEY, name text NOT NULL);
