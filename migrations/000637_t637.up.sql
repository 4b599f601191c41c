CREATE TABLE t637 (id bigint PRIMARY KEY, name text NOT NULL);
