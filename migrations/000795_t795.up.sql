CREATE TABLE t795 (id bigint PRIMARY KEY, name text NOT NULL);
