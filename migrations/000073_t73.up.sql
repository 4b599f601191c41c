CREATE TABLE t73 (id bigint PRIMARY KEY, name text NOT NULL);
