CREATE TABLE t349 (id bigint PRIMARY KEY, name text NOT NULL);
