CREATE TABLE t218 (id bigint PRIMARY KEY, name text NOT NULL);
