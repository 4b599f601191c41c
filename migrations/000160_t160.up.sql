CREATE TABLE t160 (id bigint PRIMARY KEY, name text NOT NULL);
