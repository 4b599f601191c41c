CREATE TABLE t511 (id bigint PRIMARY KEY, name text NOT NULL);
