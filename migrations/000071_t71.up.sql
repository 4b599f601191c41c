CREATE TABLE t71 (id bigint PRIMARY KEY, name text NOT NULL);
