CREATE TABLE t484 (id bigint PRIMARY KEY, name text NOT NULL);
