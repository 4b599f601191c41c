CREATE TABLE t77 (id bigint PRIMARY KEY, name text NOT NULL);
