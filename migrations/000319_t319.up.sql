CREATE TABLE t319 (id bigint PRIMARY KEY, name text NOT NULL);
