CREATE TABLE t901 (id bigint PRIMARY KEY, name text NOT NULL);
