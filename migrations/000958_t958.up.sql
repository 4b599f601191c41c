CREATE TABLE t958 (id bigint PRIMARY KEY, name text NOT NULL);
