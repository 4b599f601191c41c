CREATE TABLE t361 (id bigint PRIMARY KEY, name text NOT NULL);
