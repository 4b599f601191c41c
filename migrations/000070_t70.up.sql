CREATE TABLE t70 (id bigint PRIMARY KEY, name text NOT NULL);
