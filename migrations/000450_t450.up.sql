CREATE TABLE t450 (id bigint PRIMARY KEY, name text NOT NULL);
