CREATE TABLE t965 (id bigint PRIMARY KEY, name text NOT NULL);
