CREATE TABLE t611 (id bigint PRIMARY KEY, name text NOT NULL);
