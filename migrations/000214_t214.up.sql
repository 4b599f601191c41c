CREATE TABLE t214 (id bigint PRIMARY KEY, name text NOT NULL);
