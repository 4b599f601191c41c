CREATE TABLE t710 (id bigint PRIMARY KEY, name text NOT NULL);
