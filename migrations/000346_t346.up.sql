CREATE TABLE t346 (id bigint PRIMARY KEY, name text NOT NULL);
