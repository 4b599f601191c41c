CREATE TABLE t198 (id bigint PRIMARY KEY, name text NOT NULL);
