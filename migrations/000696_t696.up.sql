CREATE TABLE t696 (id bigint PRIMARY KEY, name text NOT NULL);
