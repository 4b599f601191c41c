CREATE TABLE t883 (id bigint PRIMARY KEY, name text NOT NULL);
