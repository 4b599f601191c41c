CREATE TABLE t261 (id bigint PRIMARY KEY, name text NOT NULL);
