CREATE TABLE t571 (id bigint PRIMARY KEY, name text NOT NULL);
