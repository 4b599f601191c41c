CREATE TABLE t200 (id bigint PRIMARY KEY, name text NOT NULL);
