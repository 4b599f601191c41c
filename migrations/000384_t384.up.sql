CREATE TABLE t384 (id bigint PRIMARY KEY, name text NOT NULL);
