CREATE TABLE t324 (id bigint PRIMARY KEY, name text NOT NULL);
