CREATE TABLE t839 (id bigint PRIMARY KEY, name text NOT NULL);
