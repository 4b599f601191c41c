CREATE TABLE t121 (id bigint PRIMARY KEY, name text NOT NULL);
