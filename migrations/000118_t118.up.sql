CREATE TABLE t118 (id bigint PRIMARY KEY, name text NOT NULL);
