CREATE TABLE t215 (id bigint PRIMARY KEY, name text NOT NULL);
