CREATE TABLE t233 (id bigint PRIMARY KEY, name text NOT NULL);
