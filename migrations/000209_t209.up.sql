CREATE TABLE t209 (id bigint PRIMARY KEY, name text NOT NULL);
