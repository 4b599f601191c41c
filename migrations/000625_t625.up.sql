CREATE TABLE t625 (id bigint PRIMARY KEY, name text NOT NULL);
