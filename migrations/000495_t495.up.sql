CREATE TABLE t495 (id bigint PRIMARY KEY, name text NOT NULL);
