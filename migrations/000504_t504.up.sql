CREATE TABLE t504 (id bigint PRIMARY KEY, name text NOT NULL);
