CREATE TABLE t335 (id bigint PRIMARY KEY, name text NOT NULL);
