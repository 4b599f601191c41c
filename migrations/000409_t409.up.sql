CREATE TABLE t409 (id bigint PRIMARY KEY, name text NOT NULL);
