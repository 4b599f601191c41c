CREATE TABLE t206 (id bigint PRIMARY KEY, name text NOT NULL);
