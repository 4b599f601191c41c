CREATE TABLE t558 (id bigint PRIMARY KEY, name text NOT NULL);
