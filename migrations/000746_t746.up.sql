CREATE TABLE t746 (id bigint PRIMARY KEY, name text NOT NULL);
