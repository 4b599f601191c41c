CREATE TABLE t845 (id bigint PRIMARY KEY, name text NOT NULL);
