CREATE TABLE t514 (id bigint PRIMARY KEY, name text NOT NULL);
