CREATE TABLE t952 (id bigint PRIMARY KEY, name text NOT NULL);
