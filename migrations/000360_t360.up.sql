CREATE TABLE t360 (id bigint PRIMARY KEY, name text NOT NULL);
