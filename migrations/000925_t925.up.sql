CREATE TABLE t925 (id bigint PRIMARY KEY, name text NOT NULL);
