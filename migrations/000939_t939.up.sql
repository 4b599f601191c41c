CREATE TABLE t939 (id bigint PRIMARY KEY, name text NOT NULL);
