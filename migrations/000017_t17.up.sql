CREATE TABLE t17 (id bigint PRIMARY KEY, name text NOT NULL);
