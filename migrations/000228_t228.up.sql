CREATE TABLE t228 (id bigint PRIMARY KEY, name text NOT NULL);
