CREATE TABLE t560 (id bigint PRIMARY KEY, name text NOT NULL);
