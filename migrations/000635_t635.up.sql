CREATE TABLE t635 (id bigint PRIMARY KEY, name text NOT NULL);
