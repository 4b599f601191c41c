CREATE TABLE t26 (id bigint PRIMARY KEY, name text NOT NULL);
