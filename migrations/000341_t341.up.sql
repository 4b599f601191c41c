CREATE TABLE t341 (id bigint PRIMARY KEY, name text NOT NULL);
