CREATE TABLE t37 (id bigint PRIMARY KEY, name text NOT NULL);
