CREATE TABLE t536 (id bigint PRIMARY KEY, name text NOT NULL);
