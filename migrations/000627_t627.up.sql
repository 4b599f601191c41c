CREATE TABLE t627 (id bigint PRIMARY KEY, name text NOT NULL);
