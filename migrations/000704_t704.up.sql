CREATE TABLE t704 (id bigint PRIMARY KEY, name text NOT NULL);
