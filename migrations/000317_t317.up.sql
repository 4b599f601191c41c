CREATE TABLE t317 (id bigint PRIMARY KEY, name text NOT NULL);
