CREATE TABLE t242 (id bigint PRIMARY KEY, name text NOT NULL);
