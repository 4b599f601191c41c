CREATE TABLE t403 (id bigint PRIMARY KEY, name text NOT NULL);
