CREATE TABLE t860 (id bigint PRIMARY KEY, name text NOT NULL);
