CREATE TABLE t990 (id bigint PRIMARY KEY, name text NOT NULL);
