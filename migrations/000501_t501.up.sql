CREATE TABLE t501 (id bigint PRIMARY KEY, name text NOT NULL);
