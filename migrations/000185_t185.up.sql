CREATE TABLE t185 (id bigint PRIMARY KEY, name text NOT NULL);
