CREATE TABLE t806 (id bigint PRIMARY KEY, name text NOT NULL);
