CREATE TABLE t262 (id bigint PRIMARY KEY, name text NOT NULL);
