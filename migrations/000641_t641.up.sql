CREATE TABLE t641 (id bigint PRIMARY KEY, name text NOT NULL);
