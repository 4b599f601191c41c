CREATE TABLE t715 (id bigint PRIMARY KEY, name text NOT NULL);
