CREATE TABLE t826 (id bigint PRIMARY KEY, name text NOT NULL);
