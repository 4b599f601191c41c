CREATE TABLE t942 (id bigint PRIMARY KEY, name text NOT NULL);
