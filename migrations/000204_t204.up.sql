CREATE TABLE t204 (id bigint PRIMARY KEY, name text NOT NULL);
