CREATE TABLE t211 (id bigint PRIMARY KEY, name text NOT NULL);
