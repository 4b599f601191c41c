CREATE TABLE t342 (id bigint PRIMARY KEY, name text NOT NULL);
