CREATE TABLE t573 (id bigint PRIMARY KEY, name text NOT NULL);
