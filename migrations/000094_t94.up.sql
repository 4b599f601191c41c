CREATE TABLE t94 (id bigint PRIMARY KEY, name text NOT NULL);
