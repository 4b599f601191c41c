CREATE TABLE t194 (id bigint PRIMARY KEY, name text NOT NULL);
