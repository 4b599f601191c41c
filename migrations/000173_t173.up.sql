CREATE TABLE t173 (id bigint PRIMARY KEY, name text NOT NULL);
