CREATE TABLE t568 (id bigint PRIMARY KEY, name text NOT NULL);
