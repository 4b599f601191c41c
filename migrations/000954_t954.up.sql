CREATE TABLE t954 (id bigint PRIMARY KEY, name text NOT NULL);
