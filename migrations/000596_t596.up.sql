CREATE TABLE t596 (id bigint PRIMARY KEY, name text NOT NULL);
