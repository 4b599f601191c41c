CREATE TABLE t539 (id bigint PRIMARY KEY, name text NOT NULL);
