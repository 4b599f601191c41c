CREATE TABLE t313 (id bigint PRIMARY KEY, name text NOT NULL);
