CREATE TABLE t978 (id bigint PRIMARY KEY, name text NOT NULL);
