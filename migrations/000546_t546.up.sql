CREATE TABLE t546 (id bigint PRIMARY KEY, name text NOT NULL);
