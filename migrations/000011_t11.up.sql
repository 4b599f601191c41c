CREATE TABLE t11 (id bigint PRIMARY KEY, name text NOT NULL);
