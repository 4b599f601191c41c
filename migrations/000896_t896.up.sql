CREATE TABLE t896 (id bigint PRIMARY KEY, name text NOT NULL);
