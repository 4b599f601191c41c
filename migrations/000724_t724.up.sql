CREATE TABLE t724 (id bigint PRIMARY KEY, name text NOT NULL);
