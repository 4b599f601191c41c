CREATE TABLE t273 (id bigint PRIMARY KEY, name text NOT NULL);
