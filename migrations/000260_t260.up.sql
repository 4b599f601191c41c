CREATE TABLE t260 (id bigint PRIMARY KEY, name text NOT NULL);
