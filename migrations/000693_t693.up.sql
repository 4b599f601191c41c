CREATE TABLE t693 (id bigint PRIMARY KEY, name text NOT NULL);
