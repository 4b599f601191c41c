CREATE TABLE t172 (id bigint PRIMARY KEY, name text NOT NULL);
