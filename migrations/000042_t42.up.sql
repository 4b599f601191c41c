CREATE TABLE t42 (id bigint PRIMARY KEY, name text NOT NULL);
