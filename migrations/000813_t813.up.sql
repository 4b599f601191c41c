CREATE TABLE t813 (id bigint PRIMARY KEY, name text NOT NULL);
