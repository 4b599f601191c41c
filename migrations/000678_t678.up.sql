CREATE TABLE t678 (id bigint PRIMARY KEY, name text NOT NULL);
