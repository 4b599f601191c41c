CREATE TABLE t386 (id bigint PRIMARY KEY, name text NOT NULL);
