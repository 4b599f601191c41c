CREATE TABLE t232 (id bigint PRIMARY KEY, name text NOT NULL);
