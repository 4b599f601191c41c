CREATE TABLE t25 (id bigint PRIMARY KEY, name text NOT NULL);
