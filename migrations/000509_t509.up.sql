CREATE TABLE t509 (id bigint PRIMARY KEY, name text NOT NULL);
