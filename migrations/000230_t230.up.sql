CREATE TABLE t230 (id bigint PRIMARY KEY, name text NOT NULL);
