CREATE TABLE t552 (id bigint PRIMARY KEY, name text NOT NULL);
