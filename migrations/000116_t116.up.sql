CREATE TABLE t116 (id bigint PRIMARY KEY, name text NOT NULL);
