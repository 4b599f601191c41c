CREATE TABLE t510 (id bigint PRIMARY KEY, name text NOT NULL);
