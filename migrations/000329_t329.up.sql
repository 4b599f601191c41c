CREATE TABLE t329 (id bigint PRIMARY KEY, name text NOT NULL);
