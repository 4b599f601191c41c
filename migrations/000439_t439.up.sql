CREATE TABLE t439 (id bigint PRIMARY KEY, name text NOT NULL);
