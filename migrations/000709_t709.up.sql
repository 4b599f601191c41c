CREATE TABLE t709 (id bigint PRIMARY KEY, name text NOT NULL);
