CREATE TABLE t100 (id bigint PRIMARY KEY, name text NOT NULL);
