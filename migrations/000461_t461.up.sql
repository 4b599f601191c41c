CREATE TABLE t461 (id bigint PRIMARY KEY, name text NOT NULL);
