CREATE TABLE t157 (id bigint PRIMARY KEY, name text NOT NULL);
