CREATE TABLE t36 (id bigint PRIMARY KEY, name text NOT NULL);
