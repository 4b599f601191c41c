CREATE TABLE t870 (id bigint PRIMARY KEY, name text NOT NULL);
