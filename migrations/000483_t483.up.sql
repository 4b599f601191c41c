CREATE TABLE t483 (id bigint PRIMARY KEY, name text NOT NULL);
