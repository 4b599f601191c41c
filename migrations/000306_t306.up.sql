CREATE TABLE t306 (id bigint PRIMARY KEY, name text NOT NULL);
