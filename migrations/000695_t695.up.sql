CREATE TABLE t695 (id bigint PRIMARY KEY, name text NOT NULL);
