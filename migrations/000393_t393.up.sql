CREATE TABLE t393 (id bigint PRIMARY KEY, name text NOT NULL);
