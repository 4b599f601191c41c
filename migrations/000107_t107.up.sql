CREATE TABLE t107 (id bigint PRIMARY KEY, name text NOT NULL);
