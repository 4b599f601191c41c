CREATE TABLE t254 (id bigint PRIMARY KEY, name text NOT NULL);
