CREATE TABLE t660 (id bigint PRIMARY KEY, name text NOT NULL);
