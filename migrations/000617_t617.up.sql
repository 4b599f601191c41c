CREATE TABLE t617 (id bigint PRIMARY KEY, name text NOT NULL);
