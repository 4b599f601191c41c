CREATE TABLE t248 (id bigint PRIMARY KEY, name text NOT NULL);
