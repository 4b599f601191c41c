CREATE TABLE t82 (id bigint PRIMARY KEY, name text NOT NULL);
