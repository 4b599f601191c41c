CREATE TABLE t666 (id bigint PRIMARY KEY, name text NOT NULL);
