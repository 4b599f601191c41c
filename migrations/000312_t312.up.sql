CREATE TABLE t312 (id bigint PRIMARY KEY, name text NOT NULL);
