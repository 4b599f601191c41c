CREATE TABLE t643 (id bigint PRIMARY KEY, name text NOT NULL);
