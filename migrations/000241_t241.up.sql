CREATE TABLE t241 (id bigint PRIMARY KEY, name text NOT NULL);
