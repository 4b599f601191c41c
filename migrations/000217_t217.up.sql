CREATE TABLE t217 (id bigint PRIMARY KEY, name text NOT NULL);
