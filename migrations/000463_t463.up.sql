CREATE TABLE t463 (id bigint PRIMARY KEY, name text NOT NULL);
