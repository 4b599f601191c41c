CREATE TABLE t881 (id bigint PRIMARY KEY, name text NOT NULL);
