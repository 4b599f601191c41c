CREATE TABLE t468 (id bigint PRIMARY KEY, name text NOT NULL);
