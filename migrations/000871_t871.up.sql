CREATE TABLE t871 (id bigint PRIMARY KEY, name text NOT NULL);
