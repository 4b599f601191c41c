CREATE TABLE t48 (id bigint PRIMARY KEY, name text NOT NULL);
