CREATE TABLE t451 (id bigint PRIMARY KEY, name text NOT NULL);
