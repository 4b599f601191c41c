CREATE TABLE t315 (id bigint PRIMARY KEY, name text NOT NULL);
