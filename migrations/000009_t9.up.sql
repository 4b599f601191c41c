CREATE TABLE t9 (id bigint PRIMARY KEY, name text NOT NULL);
