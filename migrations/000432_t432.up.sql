CREATE TABLE t432 (id bigint PRIMARY KEY, name text NOT NULL);
