CREATE TABLE t996 (id bigint PRIMARY KEY, name text NOT NULL);
