CREATE TABLE t760 (id bigint PRIMARY KEY, name text NOT NULL);
