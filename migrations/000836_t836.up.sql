CREATE TABLE t836 (id bigint PRIMARY KEY, name text NOT NULL);
