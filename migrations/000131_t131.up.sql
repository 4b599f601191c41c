CREATE TABLE t131 (id bigint PRIMARY KEY, name text NOT NULL);
