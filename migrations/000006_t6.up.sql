CREATE TABLE t6 (id bigint PRIMARY KEY, name text NOT NULL);
