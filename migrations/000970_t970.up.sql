CREATE TABLE t970 (id bigint PRIMARY KEY, name text NOT NULL);
