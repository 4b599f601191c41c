CREATE TABLE t591 (id bigint PRIMARY KEY, name text NOT NULL);
