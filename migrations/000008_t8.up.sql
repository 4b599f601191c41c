CREATE TABLE t8 (id bigint PRIMARY KEY, name text NOT NULL);
