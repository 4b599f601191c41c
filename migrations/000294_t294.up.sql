CREATE TABLE t294 (id bigint PRIMARY KEY, name text NOT NULL);
