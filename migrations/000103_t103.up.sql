CREATE TABLE t103 (id bigint PRIMARY KEY, name text NOT NULL);
