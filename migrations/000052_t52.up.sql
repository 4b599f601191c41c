CREATE TABLE t52 (id bigint PRIMARY KEY, name text NOT NULL);
