CREATE TABLE t128 (id bigint PRIMARY KEY, name text NOT NULL);
