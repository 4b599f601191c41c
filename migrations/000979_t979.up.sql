CREATE TABLE t979 (id bigint PRIMARY KEY, name text NOT NULL);
