CREATE TABLE t642 (id bigint PRIMARY KEY, name text NOT NULL);
