CREATE TABLE t85 (id bigint PRIMARY KEY, name text NOT NULL);
