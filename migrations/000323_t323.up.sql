CREATE TABLE t323 (id bigint PRIMARY KEY, name text NOT NULL);
