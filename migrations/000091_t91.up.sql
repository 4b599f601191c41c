CREATE TABLE t91 (id bigint PRIMARY KEY, name text NOT NULL);
