CREATE TABLE t683 (id bigint PRIMARY KEY, name text NOT NULL);
