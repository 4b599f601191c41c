CREATE TABLE t877 (id bigint PRIMARY KEY, name text NOT NULL);
