CREATE TABLE t428 (id bigint PRIMARY KEY, name text NOT NULL);
