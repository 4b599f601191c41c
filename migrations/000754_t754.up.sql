CREATE TABLE t754 (id bigint PRIMARY KEY, name text NOT NULL);
