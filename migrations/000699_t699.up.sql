CREATE TABLE t699 (id bigint PRIMARY KEY, name text NOT NULL);
