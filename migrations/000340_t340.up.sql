CREATE TABLE t340 (id bigint PRIMARY KEY, name text NOT NULL);
