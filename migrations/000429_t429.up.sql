CREATE TABLE t429 (id bigint PRIMARY KEY, name text NOT NULL);
