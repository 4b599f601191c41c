CREATE TABLE t907 (id bigint PRIMARY KEY, name text NOT NULL);
