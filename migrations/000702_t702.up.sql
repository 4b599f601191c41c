CREATE TABLE t702 (id bigint PRIMARY KEY, name text NOT NULL);
