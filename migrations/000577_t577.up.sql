CREATE TABLE t577 (id bigint PRIMARY KEY, name text NOT NULL);
