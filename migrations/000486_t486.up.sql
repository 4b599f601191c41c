CREATE TABLE t486 (id bigint PRIMARY KEY, name text NOT NULL);
