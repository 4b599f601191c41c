CREATE TABLE t415 (id bigint PRIMARY KEY, name text NOT NULL);
