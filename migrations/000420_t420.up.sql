CREATE TABLE t420 (id bigint PRIMARY KEY, name text NOT NULL);
