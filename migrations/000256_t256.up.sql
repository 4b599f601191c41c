CREATE TABLE t256 (id bigint PRIMARY KEY, name text NOT NULL);
