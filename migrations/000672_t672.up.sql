CREATE TABLE t672 (id bigint PRIMARY KEY, name text NOT NULL);
