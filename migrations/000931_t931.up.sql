CREATE TABLE t931 (id bigint PRIMARY KEY, name text NOT NULL);
