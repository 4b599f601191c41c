CREATE TABLE t303 (id bigint PRIMARY KEY, name text NOT NULL);
