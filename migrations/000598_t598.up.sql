CREATE TABLE t598 (id bigint PRIMARY KEY, name text NOT NULL);
