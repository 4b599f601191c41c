CREATE TABLE t213 (id bigint PRIMARY KEY, name text NOT NULL);
