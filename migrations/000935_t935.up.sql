CREATE TABLE t935 (id bigint PRIMARY KEY, name text NOT NULL);
