CREATE TABLE t43 (id bigint PRIMARY KEY, name text NOT NULL);
