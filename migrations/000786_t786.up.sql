CREATE TABLE t786 (id bigint PRIMARY KEY, name text NOT NULL);
