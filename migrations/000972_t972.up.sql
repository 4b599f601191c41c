CREATE TABLE t972 (id bigint PRIMARY KEY, name text NOT NULL);
