CREATE TABLE t239 (id bigint PRIMARY KEY, name text NOT NULL);
