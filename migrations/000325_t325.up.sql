CREATE TABLE t325 (id bigint PRIMARY KEY, name text NOT NULL);
