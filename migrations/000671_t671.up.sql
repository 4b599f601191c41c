CREATE TABLE t671 (id bigint PRIMARY KEY, name text NOT NULL);
