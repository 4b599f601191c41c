CREATE TABLE t296 (id bigint PRIMARY KEY, name text NOT NULL);
