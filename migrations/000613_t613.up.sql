CREATE TABLE t613 (id bigint PRIMARY KEY, name text NOT NULL);
