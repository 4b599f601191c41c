CREATE TABLE t807 (id bigint PRIMARY KEY, name text NOT NULL);
