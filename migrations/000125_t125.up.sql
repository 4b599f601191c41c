CREATE TABLE t125 (id bigint PRIMARY KEY, name text NOT NULL);
