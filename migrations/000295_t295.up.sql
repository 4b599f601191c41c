CREATE TABLE t295 (id bigint PRIMARY KEY, name text NOT NULL);
