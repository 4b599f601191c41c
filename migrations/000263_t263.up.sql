CREATE TABLE t263 (id bigint PRIMARY KEY, name text NOT NULL);
