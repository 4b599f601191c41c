CREATE TABLE t516 (id bigint PRIMARY KEY, name text NOT NULL);
