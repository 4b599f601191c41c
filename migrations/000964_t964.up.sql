CREATE TABLE t964 (id bigint PRIMARY KEY, name text NOT NULL);
