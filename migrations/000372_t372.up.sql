CREATE TABLE t372 (id bigint PRIMARY KEY, name text NOT NULL);
