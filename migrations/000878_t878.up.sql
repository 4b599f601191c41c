CREATE TABLE t878 (id bigint PRIMARY KEY, name text NOT NULL);
