CREATE TABLE t587 (id bigint PRIMARY KEY, name text NOT NULL);
