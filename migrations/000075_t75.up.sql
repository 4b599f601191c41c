CREATE TABLE t75 (id bigint PRIMARY KEY, name text NOT NULL);
