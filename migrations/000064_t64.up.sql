CREATE TABLE t64 (id bigint PRIMARY KEY, name text NOT NULL);
