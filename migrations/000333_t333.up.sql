CREATE TABLE t333 (id bigint PRIMARY KEY, name text NOT NULL);
