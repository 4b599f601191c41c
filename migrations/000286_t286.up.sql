CREATE TABLE t286 (id bigint PRIMARY KEY, name text NOT NULL);
