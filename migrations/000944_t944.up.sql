CREATE TABLE t944 (id bigint PRIMARY KEY, name text NOT NULL);
