CREATE TABLE t138 (id bigint PRIMARY KEY, name text NOT NULL);
