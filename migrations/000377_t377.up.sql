CREATE TABLE t377 (id bigint PRIMARY KEY, name text NOT NULL);
