CREATE TABLE t547 (id bigint PRIMARY KEY, name text NOT NULL);
