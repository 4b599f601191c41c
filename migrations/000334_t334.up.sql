CREATE TABLE t334 (id bigint PRIMARY KEY, name text NOT NULL);
