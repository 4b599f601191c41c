CREATE TABLE t794 (id bigint PRIMARY KEY, name text NOT NULL);
