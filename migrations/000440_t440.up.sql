CREATE TABLE t440 (id bigint PRIMARY KEY, name text NOT NULL);
