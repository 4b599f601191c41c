CREATE TABLE t646 (id bigint PRIMARY KEY, name text NOT NULL);
