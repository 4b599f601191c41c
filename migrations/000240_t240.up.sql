CREATE TABLE t240 (id bigint PRIMARY KEY, name text NOT NULL);
