CREATE TABLE t763 (id bigint PRIMARY KEY, name text NOT NULL);
