CREATE TABLE t622 (id bigint PRIMARY KEY, name text NOT NULL);
