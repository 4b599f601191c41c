CREATE TABLE t594 (id bigint PRIMARY KEY, name text NOT NULL);
