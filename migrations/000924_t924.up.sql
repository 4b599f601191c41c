CREATE TABLE t924 (id bigint PRIMARY KEY, name text NOT NULL);
