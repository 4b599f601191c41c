CREATE TABLE t99 (id bigint PRIMARY KEY, name text NOT NULL);
