CREATE TABLE t862 (id bigint PRIMARY KEY, name text NOT NULL);
