CREATE TABLE t114 (id bigint PRIMARY KEY, name text NOT NULL);
