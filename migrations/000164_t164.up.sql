CREATE TABLE t164 (id bigint PRIMARY KEY, name text NOT NULL);
