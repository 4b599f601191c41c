CREATE TABLE t292 (id bigint PRIMARY KEY, name text NOT NULL);
