CREATE TABLE t192 (id bigint PRIMARY KEY, name text NOT NULL);
