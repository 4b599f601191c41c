CREATE TABLE t16 (id bigint PRIMARY KEY, name text NOT NULL);
