CREATE TABLE t493 (id bigint PRIMARY KEY, name text NOT NULL);
