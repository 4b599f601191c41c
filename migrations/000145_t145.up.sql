CREATE TABLE t145 (id bigint PRIMARY KEY, name text NOT NULL);
