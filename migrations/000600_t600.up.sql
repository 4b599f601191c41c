CREATE TABLE t600 (id bigint PRIMARY KEY, name text NOT NULL);
