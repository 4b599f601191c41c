CREATE TABLE t527 (id bigint PRIMARY KEY, name text NOT NULL);
