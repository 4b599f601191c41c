CREATE TABLE t417 (id bigint PRIMARY KEY, name text NOT NULL);
