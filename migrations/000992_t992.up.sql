CREATE TABLE t992 (id bigint PRIMARY KEY, name text NOT NULL);
