CREATE TABLE t44 (id bigint PRIMARY KEY, name text NOT NULL);
