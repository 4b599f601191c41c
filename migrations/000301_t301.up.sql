CREATE TABLE t301 (id bigint PRIMARY KEY, name text NOT NULL);
