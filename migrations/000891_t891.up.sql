CREATE TABLE t891 (id bigint PRIMARY KEY, name text NOT NULL);
