CREATE TABLE t115 (id bigint PRIMARY KEY, name text NOT NULL);
