CREATE TABLE t383 (id bigint PRIMARY KEY, name text NOT NULL);
