CREATE TABLE t328 (id bigint PRIMARY KEY, name text NOT NULL);
