CREATE TABLE t550 (id bigint PRIMARY KEY, name text NOT NULL);
