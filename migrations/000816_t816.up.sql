CREATE TABLE t816 (id bigint PRIMARY KEY, name text NOT NULL);
