CREATE TABLE t968 (id bigint PRIMARY KEY, name text NOT NULL);
