CREATE TABLE t533 (id bigint PRIMARY KEY, name text NOT NULL);
