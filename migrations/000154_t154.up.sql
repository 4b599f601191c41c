CREATE TABLE t154 (id bigint PRIMARY KEY, name text NOT NULL);
