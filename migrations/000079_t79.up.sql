CREATE TABLE t79 (id bigint PRIMARY KEY, name text NOT NULL);
