CREATE TABLE t805 (id bigint PRIMARY KEY, name text NOT NULL);
