CREATE TABLE t195 (id bigint PRIMARY KEY, name text NOT NULL);
