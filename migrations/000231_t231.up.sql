CREATE TABLE t231 (id bigint PRIMARY KEY, name text NOT NULL);
