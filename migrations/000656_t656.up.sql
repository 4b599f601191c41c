CREATE TABLE t656 (id bigint PRIMARY KEY, name text NOT NULL);
