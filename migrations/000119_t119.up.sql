CREATE TABLE t119 (id bigint PRIMARY KEY, name text NOT NULL);
