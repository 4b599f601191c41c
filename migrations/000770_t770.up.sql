CREATE TABLE t770 (id bigint PRIMARY KEY, name text NOT NULL);
