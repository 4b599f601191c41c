CREATE TABLE t663 (id bigint PRIMARY KEY, name text NOT NULL);
