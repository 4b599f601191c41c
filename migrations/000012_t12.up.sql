CREATE TABLE t12 (id bigint PRIMARY KEY, name text NOT NULL);
