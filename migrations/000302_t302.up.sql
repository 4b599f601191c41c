CREATE TABLE t302 (id bigint PRIMARY KEY, name text NOT NULL);
