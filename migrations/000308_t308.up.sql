CREATE TABLE t308 (id bigint PRIMARY KEY, name text NOT NULL);
