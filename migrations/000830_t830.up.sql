CREATE TABLE t830 (id bigint PRIMARY KEY, name text NOT NULL);
