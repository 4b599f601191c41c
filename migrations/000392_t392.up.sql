CREATE TABLE t392 (id bigint PRIMARY KEY, name text NOT NULL);
