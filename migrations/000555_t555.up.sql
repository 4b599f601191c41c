CREATE TABLE t555 (id bigint PRIMARY KEY, name text NOT NULL);
