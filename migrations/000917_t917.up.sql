CREATE TABLE t917 (id bigint PRIMARY KEY, name text NOT NULL);
