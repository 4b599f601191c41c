CREATE TABLE t688 (id bigint PRIMARY KEY, name text NOT NULL);
