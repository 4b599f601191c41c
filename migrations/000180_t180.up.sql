CREATE TABLE t180 (id bigint PRIMARY KEY, name text NOT NULL);
