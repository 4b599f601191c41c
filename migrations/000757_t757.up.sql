CREATE TABLE t757 (id bigint PRIMARY KEY, name text NOT NULL);
