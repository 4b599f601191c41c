CREATE TABLE t431 (id bigint PRIMARY KEY, name text NOT NULL);
