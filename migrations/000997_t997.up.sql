CREATE TABLE t997 (id bigint PRIMARY KEY, name text NOT NULL);
