CREATE TABLE t30 (id bigint PRIMARY KEY, name text NOT NULL);
