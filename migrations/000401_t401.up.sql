CREATE TABLE t401 (id bigint PRIMARY KEY, name text NOT NULL);
