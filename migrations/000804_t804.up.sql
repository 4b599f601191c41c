CREATE TABLE t804 (id bigint PRIMARY KEY, name text NOT NULL);
