CREATE TABLE t592 (id bigint PRIMARY KEY, name text NOT NULL);
