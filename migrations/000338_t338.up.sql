CREATE TABLE t338 (id bigint PRIMARY KEY, name text NOT NULL);
