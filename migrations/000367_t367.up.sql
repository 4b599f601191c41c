CREATE TABLE t367 (id bigint PRIMARY KEY, name text NOT NULL);
