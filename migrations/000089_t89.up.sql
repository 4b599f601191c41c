CREATE TABLE t89 (id bigint PRIMARY KEY, name text NOT NULL);
