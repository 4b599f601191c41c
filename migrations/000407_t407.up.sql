CREATE TABLE t407 (id bigint PRIMARY KEY, name text NOT NULL);
