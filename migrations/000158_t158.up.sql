CREATE TABLE t158 (id bigint PRIMARY KEY, name text NOT NULL);
