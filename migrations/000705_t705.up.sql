CREATE TABLE t705 (id bigint PRIMARY KEY, name text NOT NULL);
