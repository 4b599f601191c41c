CREATE TABLE t667 (id bigint PRIMARY KEY, name text NOT NULL);
