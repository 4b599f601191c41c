CREATE TABLE t701 (id bigint PRIMARY KEY, name text NOT NULL);
