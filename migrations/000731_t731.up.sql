CREATE TABLE t731 (id bigint PRIMARY KEY, name text NOT NULL);
