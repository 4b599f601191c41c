CREATE TABLE t113 (id bigint PRIMARY KEY, name text NOT NULL);
