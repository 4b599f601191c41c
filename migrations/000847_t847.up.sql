CREATE TABLE t847 (id bigint PRIMARY KEY, name text NOT NULL);
