CREATE TABLE t166 (id bigint PRIMARY KEY, name text NOT NULL);
