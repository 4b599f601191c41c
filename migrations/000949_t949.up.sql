CREATE TABLE t949 (id bigint PRIMARY KEY, name text NOT NULL);
