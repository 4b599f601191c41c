CREATE TABLE t758 (id bigint PRIMARY KEY, name text NOT NULL);
