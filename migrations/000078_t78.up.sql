CREATE TABLE t78 (id bigint PRIMARY KEY, name text NOT NULL);
