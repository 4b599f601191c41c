CREATE TABLE t730 (id bigint PRIMARY KEY, name text NOT NULL);
