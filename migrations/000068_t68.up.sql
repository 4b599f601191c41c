CREATE TABLE t68 (id bigint PRIMARY KEY, name text NOT NULL);
