CREATE TABLE t507 (id bigint PRIMARY KEY, name text NOT NULL);
