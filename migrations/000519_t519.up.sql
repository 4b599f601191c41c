CREATE TABLE t519 (id bigint PRIMARY KEY, name text NOT NULL);
