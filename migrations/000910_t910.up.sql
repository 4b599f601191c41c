CREATE TABLE t910 (id bigint PRIMARY KEY, name text NOT NULL);
