CREATE TABLE t714 (id bigint PRIMARY KEY, name text NOT NULL);
