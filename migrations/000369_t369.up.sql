CREATE TABLE t369 (id bigint PRIMARY KEY, name text NOT NULL);
