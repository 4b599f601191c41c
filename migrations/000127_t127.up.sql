CREATE TABLE t127 (id bigint PRIMARY KEY, name text NOT NULL);
