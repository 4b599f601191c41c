CREATE TABLE t895 (id bigint PRIMARY KEY, name text NOT NULL);
