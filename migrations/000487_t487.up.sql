CREATE TABLE t487 (id bigint PRIMARY KEY, name text NOT NULL);
