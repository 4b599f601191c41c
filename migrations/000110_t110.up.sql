CREATE TABLE t110 (id bigint PRIMARY KEY, name text NOT NULL);
