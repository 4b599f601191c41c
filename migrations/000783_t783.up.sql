CREATE TABLE t783 (id bigint PRIMARY KEY, name text NOT NULL);
