CREATE TABLE t914 (id bigint PRIMARY KEY, name text NOT NULL);
