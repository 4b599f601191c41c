CREATE TABLE t858 (id bigint PRIMARY KEY, name text NOT NULL);
