CREATE TABLE t745 (id bigint PRIMARY KEY, name text NOT NULL);
