CREATE TABLE t287 (id bigint PRIMARY KEY, name text NOT NULL);
