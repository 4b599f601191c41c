CREATE TABLE t124 (id bigint PRIMARY KEY, name text NOT NULL);
