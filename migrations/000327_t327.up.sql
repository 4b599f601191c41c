CREATE TABLE t327 (id bigint PRIMARY KEY, name text NOT NULL);
