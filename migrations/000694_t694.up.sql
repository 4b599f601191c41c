CREATE TABLE t694 (id bigint PRIMARY KEY, name text NOT NULL);
