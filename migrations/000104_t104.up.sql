CREATE TABLE t104 (id bigint PRIMARY KEY, name text NOT NULL);
