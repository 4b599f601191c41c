CREATE TABLE t405 (id bigint PRIMARY KEY, name text NOT NULL);
