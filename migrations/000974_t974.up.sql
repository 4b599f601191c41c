CREATE TABLE t974 (id bigint PRIMARY KEY, name text NOT NULL);
