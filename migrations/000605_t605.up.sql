CREATE TABLE t605 (id bigint PRIMARY KEY, name text NOT NULL);
