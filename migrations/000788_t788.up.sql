CREATE TABLE t788 (id bigint PRIMARY KEY, name text NOT NULL);
