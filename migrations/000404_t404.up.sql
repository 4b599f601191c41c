CREATE TABLE t404 (id bigint PRIMARY KEY, name text NOT NULL);
