CREATE TABLE t375 (id bigint PRIMARY KEY, name text NOT NULL);
