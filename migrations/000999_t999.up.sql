CREATE TABLE t999 (id bigint PRIMARY KEY, name text NOT NULL);
