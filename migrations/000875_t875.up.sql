CREATE TABLE t875 (id bigint PRIMARY KEY, name text NOT NULL);
