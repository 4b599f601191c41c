CREATE TABLE t27 (id bigint PRIMARY KEY, name text NOT NULL);
