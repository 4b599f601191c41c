CREATE TABLE t152 (id bigint PRIMARY KEY, name text NOT NULL);
