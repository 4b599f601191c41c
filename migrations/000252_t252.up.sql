CREATE TABLE t252 (id bigint PRIMARY KEY, name text NOT NULL);
