CREATE TABLE t446 (id bigint PRIMARY KEY, name text NOT NULL);
