CREATE TABLE t20 (id bigint PRIMARY KEY, name text NOT NULL);
