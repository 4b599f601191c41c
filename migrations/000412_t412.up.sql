CREATE TABLE t412 (id bigint PRIMARY KEY, name text NOT NULL);
