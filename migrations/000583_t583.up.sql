CREATE TABLE t583 (id bigint PRIMARY KEY, name text NOT NULL);
