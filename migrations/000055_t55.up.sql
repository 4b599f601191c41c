CREATE TABLE t55 (id bigint PRIMARY KEY, name text NOT NULL);
