CREATE TABLE t370 (id bigint PRIMARY KEY, name text NOT NULL);
