CREATE TABLE t652 (id bigint PRIMARY KEY, name text NOT NULL);
