CREATE TABLE t381 (id bigint PRIMARY KEY, name text NOT NULL);
