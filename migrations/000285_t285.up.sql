CREATE TABLE t285 (id bigint PRIMARY KEY, name text NOT NULL);
