CREATE TABLE t677 (id bigint PRIMARY KEY, name text NOT NULL);
