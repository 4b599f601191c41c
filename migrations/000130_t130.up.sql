CREATE TABLE t130 (id bigint PRIMARY KEY, name text NOT NULL);
