CREATE TABLE t776 (id bigint PRIMARY KEY, name text NOT NULL);
