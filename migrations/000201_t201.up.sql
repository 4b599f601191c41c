CREATE TABLE t201 (id bigint PRIMARY KEY, name text NOT NULL);
