CREATE TABLE t208 (id bigint PRIMARY KEY, name text NOT NULL);
