CREATE TABLE t111 (id bigint PRIMARY KEY, name text NOT NULL);
