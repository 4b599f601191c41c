CREATE TABLE t23 (id bigint PRIMARY KEY, name text NOT NULL);
