CREATE TABLE t478 (id bigint PRIMARY KEY, name text NOT NULL);
