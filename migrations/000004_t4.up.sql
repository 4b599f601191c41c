CREATE TABLE t4 (id bigint PRIMARY KEY, name text NOT NULL);
