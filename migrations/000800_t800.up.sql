CREATE TABLE t800 (id bigint PRIMARY KEY, name text NOT NULL);
