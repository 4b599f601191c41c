CREATE TABLE t700 (id bigint PRIMARY KEY, name text NOT NULL);
