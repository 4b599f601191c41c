CREATE TABLE t5 (id bigint PRIMARY KEY, name text NOT NULL);
