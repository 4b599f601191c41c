CREATE TABLE t40 (id bigint PRIMARY KEY, name text NOT NULL);
