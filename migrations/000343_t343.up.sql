CREATE TABLE t343 (id bigint PRIMARY KEY, name text NOT NULL);
