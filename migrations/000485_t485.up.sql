CREATE TABLE t485 (id bigint PRIMARY KEY, name text NOT NULL);
