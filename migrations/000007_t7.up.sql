CREATE TABLE t7 (id bigint PRIMARY KEY, name text NOT NULL);
