CREATE TABLE t863 (id bigint PRIMARY KEY, name text NOT NULL);
