CREATE TABLE t524 (id bigint PRIMARY KEY, name text NOT NULL);
