CREATE TABLE t41 (id bigint PRIMARY KEY, name text NOT NULL);
