CREATE TABLE t849 (id bigint PRIMARY KEY, name text NOT NULL);
