CREATE TABLE t202 (id bigint PRIMARY KEY, name text NOT NULL);
