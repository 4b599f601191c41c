CREATE TABLE t899 (id bigint PRIMARY KEY, name text NOT NULL);
