CREATE TABLE t136 (id bigint PRIMARY KEY, name text NOT NULL);
