CREATE TABLE t437 (id bigint PRIMARY KEY, name text NOT NULL);
