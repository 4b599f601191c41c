CREATE TABLE t873 (id bigint PRIMARY KEY, name text NOT NULL);
