CREATE TABLE t755 (id bigint PRIMARY KEY, name text NOT NULL);
