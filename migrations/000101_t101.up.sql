CREATE TABLE t101 (id bigint PRIMARY KEY, name text NOT NULL);
