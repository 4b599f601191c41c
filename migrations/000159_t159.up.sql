CREATE TABLE t159 (id bigint PRIMARY KEY, name text NOT NULL);
