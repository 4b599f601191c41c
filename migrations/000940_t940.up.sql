CREATE TABLE t940 (id bigint PRIMARY KEY, name text NOT NULL);
