CREATE TABLE t274 (id bigint PRIMARY KEY, name text NOT NULL);
