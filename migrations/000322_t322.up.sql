CREATE TABLE t322 (id bigint PRIMARY KEY, name text NOT NULL);
