CREATE TABLE t175 (id bigint PRIMARY KEY, name text NOT NULL);
