CREATE TABLE t84 (id bigint PRIMARY KEY, name text NOT NULL);
