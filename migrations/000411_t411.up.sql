CREATE TABLE t411 (id bigint PRIMARY KEY, name text NOT NULL);
