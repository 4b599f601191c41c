CREATE TABLE t628 (id bigint PRIMARY KEY, name text NOT NULL);
