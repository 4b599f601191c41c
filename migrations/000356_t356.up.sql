CREATE TABLE t356 (id bigint PRIMARY KEY, name text NOT NULL);
