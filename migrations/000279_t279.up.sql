CREATE TABLE t279 (id bigint PRIMARY KEY, name text NOT NULL);
