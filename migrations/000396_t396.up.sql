CREATE TABLE t396 (id bigint PRIMARY KEY, name text NOT NULL);
