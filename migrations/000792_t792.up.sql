CREATE TABLE t792 (id bigint PRIMARY KEY, name text NOT NULL);
