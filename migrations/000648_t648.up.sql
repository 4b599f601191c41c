CREATE TABLE t648 (id bigint PRIMARY KEY, name text NOT NULL);
