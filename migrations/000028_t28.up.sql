CREATE TABLE t28 (id bigint PRIMARY KEY, name text NOT NULL);
