CREATE TABLE t434 (id bigint PRIMARY KEY, name text NOT NULL);
