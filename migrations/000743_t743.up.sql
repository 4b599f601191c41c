CREATE TABLE t743 (id bigint PRIMARY KEY, name text NOT NULL);
