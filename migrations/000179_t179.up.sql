CREATE TABLE t179 (id bigint PRIMARY KEY, name text NOT NULL);
