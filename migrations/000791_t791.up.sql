CREATE TABLE t791 (id bigint PRIMARY KEY, name text NOT NULL);
