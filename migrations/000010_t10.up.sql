CREATE TABLE t10 (id bigint PRIMARY KEY, name text NOT NULL);
