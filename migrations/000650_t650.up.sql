CREATE TABLE t650 (id bigint PRIMARY KEY, name text NOT NULL);
