CREATE TABLE t288 (id bigint PRIMARY KEY, name text NOT NULL);
