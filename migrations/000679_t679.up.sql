CREATE TABLE t679 (id bigint PRIMARY KEY, name text NOT NULL);
