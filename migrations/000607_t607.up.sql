CREATE TABLE t607 (id bigint PRIMARY KEY, name text NOT NULL);
