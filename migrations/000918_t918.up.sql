CREATE TABLE t918 (id bigint PRIMARY KEY, name text NOT NULL);
