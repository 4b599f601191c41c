CREATE TABLE t305 (id bigint PRIMARY KEY, name text NOT NULL);
