CREATE TABLE t595 (id bigint PRIMARY KEY, name text NOT NULL);
