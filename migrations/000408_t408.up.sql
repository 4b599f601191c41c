CREATE TABLE t408 (id bigint PRIMARY KEY, name text NOT NULL);
