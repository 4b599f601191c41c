CREATE TABLE t234 (id bigint PRIMARY KEY, name text NOT NULL);
