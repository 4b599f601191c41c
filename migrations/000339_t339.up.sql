CREATE TABLE t339 (id bigint PRIMARY KEY, name text NOT NULL);
