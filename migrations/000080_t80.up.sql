CREATE TABLE t80 (id bigint PRIMARY KEY, name text NOT NULL);
