CREATE TABLE t588 (id bigint PRIMARY KEY, name text NOT NULL);
