CREATE TABLE t293 (id bigint PRIMARY KEY, name text NOT NULL);
