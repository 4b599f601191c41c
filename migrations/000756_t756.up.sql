CREATE TABLE t756 (id bigint PRIMARY KEY, name text NOT NULL);
