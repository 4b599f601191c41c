CREATE TABLE t378 (id bigint PRIMARY KEY, name text NOT NULL);
