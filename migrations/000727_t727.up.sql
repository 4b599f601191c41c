CREATE TABLE t727 (id bigint PRIMARY KEY, name text NOT NULL);
