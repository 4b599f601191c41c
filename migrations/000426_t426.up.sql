CREATE TABLE t426 (id bigint PRIMARY KEY, name text NOT NULL);
