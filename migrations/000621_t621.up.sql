CREATE TABLE t621 (id bigint PRIMARY KEY, name text NOT NULL);
