CREATE TABLE t716 (id bigint PRIMARY KEY, name text NOT NULL);
