CREATE TABLE t62 (id bigint PRIMARY KEY, name text NOT NULL);
