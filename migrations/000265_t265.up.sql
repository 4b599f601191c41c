CREATE TABLE t265 (id bigint PRIMARY KEY, name text NOT NULL);
