CREATE TABLE t848 (id bigint PRIMARY KEY, name text NOT NULL);
