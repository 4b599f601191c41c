CREATE TABLE t448 (id bigint PRIMARY KEY, name text NOT NULL);
